"""Problem files, answer files, grading of many students, reports and the Gradescope bundle."""
