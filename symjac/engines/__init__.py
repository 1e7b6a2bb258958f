"""The engines that do the calculus: ``fast`` (symengine) and the reference (sympy).

Neither chooses itself: ``symjac.engines.choose.choose`` is the one place that
decides which one works on a command.
"""
