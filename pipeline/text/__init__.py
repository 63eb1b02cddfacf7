"""Text in: articles from files, folders and tables; sentence splitting; the size limits of an article."""
