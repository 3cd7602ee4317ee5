"""Builds the `confide` wheel from what cargo and uniffi-bindgen already made, with the standard
library only (no second cargo build):

    python3 build_wheel.py --library libconfide_uniffi.so --generated ../generated/python \
        --version 0.1.0 --out-dir dist

The wheel holds the package `confide`: `__init__.py` (re-exports the generated module and waits
for worker threads at exit), `__init__.pyi` and `py.typed` (types), the generated `confide.py`,
and the shared library next to it (where the generated code loads it from).
"""

import argparse
import base64
import hashlib
import platform
import sys
import sysconfig
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAME = "confide"


def platform_tag() -> str:
    return sysconfig.get_platform().replace("-", "_").replace(".", "_")


def record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build(library: Path, generated: Path, version: str, out_dir: Path) -> Path:
    files = {
        f"{NAME}/__init__.py": (HERE / NAME / "__init__.py").read_bytes(),
        f"{NAME}/__init__.pyi": (HERE / NAME / "__init__.pyi").read_bytes(),
        f"{NAME}/py.typed": b"",
        f"{NAME}/confide.py": (generated / "confide.py").read_bytes(),
        f"{NAME}/{library.name}": library.read_bytes(),
    }
    dist_info = f"{NAME}-{version}.dist-info"
    tag = f"py3-none-{platform_tag()}"
    files[f"{dist_info}/METADATA"] = (
        "Metadata-Version: 2.1\n"
        f"Name: {NAME}\n"
        f"Version: {version}\n"
        "Summary: Confide: end-to-end encrypted LLM inference sessions, keys and signed messages\n"
        "License: Apache-2.0\n"
        "Requires-Python: >=3.9\n"
    ).encode()
    files[f"{dist_info}/WHEEL"] = (
        "Wheel-Version: 1.0\n"
        "Generator: confide build_wheel.py\n"
        "Root-Is-Purelib: false\n"
        f"Tag: {tag}\n"
    ).encode()
    files[f"{dist_info}/top_level.txt"] = f"{NAME}\n".encode()
    record = [record_line(path, data) for path, data in files.items()]
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()

    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = out_dir / f"{NAME}-{version}-{tag}.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if path.endswith(".so") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return wheel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, required=True)
    parser.add_argument("--generated", type=Path, required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--out-dir", type=Path, required=True)
    args = parser.parse_args()
    if platform.system() != "Linux" or not args.library.name.endswith(".so"):
        sys.exit("build_wheel.py builds Linux wheels from a .so (see docs/UNIFFI.md for others)")
    print(build(args.library, args.generated, args.version, args.out_dir))


if __name__ == "__main__":
    main()
