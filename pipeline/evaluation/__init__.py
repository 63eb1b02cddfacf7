"""How good the model is: scores, bootstrap intervals, baselines, calibration error, cross-validation."""
