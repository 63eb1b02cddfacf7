"""The model: n-gram features, the scikit-learn estimator, the served arrays, calibration, the model card."""
