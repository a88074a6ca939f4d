"""Only the optional native send-log scan; everything else is in pyproject.toml.

``optional=True``: without a compiler (or if the build fails) ``pip install`` still succeeds and
relaydoctor uses its pure-Python scanner (engine/evidence/smtplog/scan.py; see sendfilter.py).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "relaydoctor.engine.evidence.smtplog._sendfilter",
            ["engine/evidence/smtplog/_sendfilter.c", "engine/evidence/smtplog/_replay.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
