"""Load platform/services.py by its path: platform/ is deliberately not a package."""

import importlib.util
import sys
from pathlib import Path

PLATFORM = Path(__file__).resolve().parent.parent / "platform"


def load_launcher():
    if "plaza_services" not in sys.modules:
        spec = importlib.util.spec_from_file_location("plaza_services", PLATFORM / "services.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return sys.modules["plaza_services"]
