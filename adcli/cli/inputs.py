"""Reading the files a user gives adcli (expressions, programs, checks, CSV
points, stdin): all through read_text, so each accepts the same text."""
import sys

from ..errors import AdcliError, InputError

BOM = b"\xef\xbb\xbf"  # spreadsheets and some editors start UTF-8 files with it


def read_text(path):
    """The text of the file at path ('-' for stdin): UTF-8, a leading
    byte-order mark dropped.  InputError names the file and the first byte
    that is not UTF-8; AdcliError when the file cannot be read."""
    name = display_name(path)
    if path == "-" and sys.stdin is None:  # started with stdin closed (<&-)
        raise AdcliError("cannot read stdin: it is closed")
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as handle:
                data = handle.read()
    except OSError as error:
        raise AdcliError(f"cannot read {name}: {error.strerror}") from None
    return decode(data, name)


def display_name(path):
    return "stdin" if path == "-" else path


def decode(data, name):
    """bytes -> str as read_text decodes them."""
    skip = len(BOM) if data.startswith(BOM) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = skip + error.start
        line = data.count(b"\n", 0, offset) + 1
        raise InputError(f"{name} is not UTF-8 text: byte 0x{data[offset]:02x} at byte "
                         f"offset {offset} (line {line})", line,
                         hint="adcli reads UTF-8: convert it, e.g. iconv -f latin1 -t utf-8"
                         ) from None
