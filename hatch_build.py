"""Build hook: compile the optional C loops, each on its own: adcli/engine/_libm.c
over the C library's math functions (adcli.engine.vectorized uses it when it
imports), and adcli/language/_precedence.c, the parser's common case
(adcli.language.precedence uses it).

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
#: (source, what is lost without it): each compiled beside its source's package
EXTENSIONS = (
    (SOURCE, "batches map Python's math over elements instead (same results, slower)"),
    (os.path.join("adcli", "language", "_precedence.c"),
     "the parser's common case runs in Python instead (the same graphs, slower)"),
)
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
        objects = os.path.join(work, "extension.o")
        try:
            _run(compile_command + STRICT_FLOATS + ["-c", source, "-o", objects])
        except OSError:  # a compiler without the flag: no contraction to turn off then
            _run(compile_command + ["-c", source, "-o", objects])
        _run(link_command + [objects, "-o", target, "-lm"])


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version, build_data):
        if self.target_name != "wheel":
            return
        for source, lost in EXTENSIONS:
            folder, file_name = os.path.split(source)
            name = os.path.splitext(file_name)[0] + sysconfig.get_config_var("EXT_SUFFIX")
            if version == "editable":
                target = os.path.join(self.root, folder, name)
            else:
                build = os.path.join(self.root, "build", "extensions")
                os.makedirs(build, exist_ok=True)
                target = os.path.join(build, name)
            try:
                compile_extension(os.path.join(self.root, source), target)
            except OSError as error:
                warnings.warn(f"adcli: {source} was not built, so {lost}: {error}",
                              stacklevel=1)
                continue
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
            if version != "editable":
                build_data["force_include"][target] = f"{folder}/{name}".replace(os.sep, "/")
