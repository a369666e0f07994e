"""Test-wide settings: Qt runs offscreen, so the suite needs no display."""

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The ONNX export cache of roadinspect.core.backends goes to a throw-away folder, never the user's cache.
os.environ.setdefault("ROADINSPECT_CACHE_DIR", tempfile.mkdtemp(prefix="roadinspect-test-cache-"))
