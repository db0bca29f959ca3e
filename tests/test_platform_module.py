"""`platform/` holds scripts, not a package: Python's own `platform` module must win."""

import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_platform_is_the_standard_library():
    import platform

    assert platform.system() in {"Linux", "Darwin", "Windows"}
    assert Path(platform.__file__).parent == Path(sysconfig.get_paths()["stdlib"])


def test_the_platform_folder_has_no_init_module():
    assert (ROOT / "platform").is_dir()
    assert not (ROOT / "platform" / "__init__.py").exists()
