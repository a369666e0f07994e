"""The inspection core: photos, inference, geometry, priorities, the project store, exports.

Nothing in this package imports Qt (``tests/core/test_no_qt.py`` enforces it), so every step can
run headless from the command line, in tests, and in the GUI's worker threads.
"""
