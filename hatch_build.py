"""Build hook: compile adcli/engine/_libm.c, the optional C loop over the C
library's math functions (adcli.engine.vectorized uses it when it imports).

The compiler and flags are the ones Python was built with (sysconfig), or
$CC when set.  When compiling fails (no compiler, no Python.h) the hook warns
and the wheel stays pure Python: vectorized then maps math over the elements,
with the same bits.  A wheel holding the extension is tagged for this
platform.  An editable install builds the extension in place, beside its
source, where the editable path finds it (.gitignore keeps it out of git and
out of other builds).
"""
import os
import shlex
import subprocess
import sysconfig
import tempfile
import warnings

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = os.path.join("adcli", "engine", "_libm.c")
#: cbrt's Newton step must not fuse into an FMA (same bits as Python's float ops)
STRICT_FLOATS = ["-ffp-contract=off"]


def _commands():
    """(compile command, link command) without the files."""
    variables = sysconfig.get_config_vars()
    include = sysconfig.get_paths()["include"]
    chosen = os.environ.get("CC")
    compiler = shlex.split(chosen or variables.get("CC") or "cc")
    linker = (compiler + ["-shared"] if chosen
              else shlex.split(variables.get("LDSHARED") or "cc -shared"))
    flags = shlex.split(variables.get("CFLAGS") or "")
    flags += shlex.split(variables.get("CCSHARED") or "")
    return compiler + flags + [f"-I{include}"], linker


def _run(command):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        why = (done.stderr or done.stdout).strip()[-400:]
        raise OSError(f"{shlex.join(command)} failed: {why}")


def compile_extension(source, target):
    """Compile source into the shared library target; OSError when it fails."""
    compile_command, link_command = _commands()
    with tempfile.TemporaryDirectory() as work:
        objects = os.path.join(work, "_libm.o")
        try:
            _run(compile_command + STRICT_FLOATS + ["-c", source, "-o", objects])
        except OSError:  # a compiler without the flag: no contraction to turn off then
            _run(compile_command + ["-c", source, "-o", objects])
        _run(link_command + [objects, "-o", target, "-lm"])


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version, build_data):
        if self.target_name != "wheel":
            return
        name = "_libm" + sysconfig.get_config_var("EXT_SUFFIX")
        source = os.path.join(self.root, SOURCE)
        if version == "editable":
            target = os.path.join(self.root, "adcli", "engine", name)
        else:
            build = os.path.join(self.root, "build", "libm")
            os.makedirs(build, exist_ok=True)
            target = os.path.join(build, name)
        try:
            compile_extension(source, target)
        except OSError as error:
            warnings.warn(f"adcli: the C loop adcli/engine/_libm.c was not built, so batches "
                          f"map Python's math over elements instead (same results, slower): "
                          f"{error}", stacklevel=1)
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version != "editable":
            build_data["force_include"][target] = f"adcli/engine/{name}"
