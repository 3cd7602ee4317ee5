"""The installed wheel: imported from site-packages with its types, and `…_async` calls that
finish just before the interpreter exits do not abort it (the package waits for their worker
threads at exit)."""

import subprocess
import sys
from pathlib import Path

import confide


def test_the_package_is_the_installed_wheel_with_types():
    package = Path(confide.__file__).parent
    assert "site-packages" in package.parts
    for name in ("py.typed", "__init__.pyi", "confide.py", "libconfide_uniffi.so"):
        assert (package / name).is_file(), name
    assert "ClientSession" in confide.__all__


EXIT_RIGHT_AFTER_ASYNC = """
import asyncio, confide
host = confide.SecretKey.generate()
async def main():
    for i in range(3):
        session = confide.ClientSession(host.public_key(), confide.SecretKey.generate())
        await session.init_message_async(confide.InitParams(
            session_id=str(i), job_id=1, chain_id=1, model_name="m", price_per_token=0))
        await confide.verify_message_async(confide.sign_message("{}", host, 1), 1)
asyncio.run(main())
"""


def test_exiting_right_after_async_calls_is_clean():
    for _ in range(20):
        run = subprocess.run([sys.executable, "-c", EXIT_RIGHT_AFTER_ASYNC], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
