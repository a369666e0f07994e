"""The inspector's desktop app (PySide6): a thin Qt layer over ``roadinspect.core``."""
