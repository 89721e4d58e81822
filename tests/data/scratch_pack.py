"""A scratch copy of a pack directory for the tests of the tools in tools/.

Each of those tests needs the shipped packs with a few cues of its own, in a
directory the tool under test can be pointed at; this makes one, so the copy
and the edit are written once."""
import json
import os
import shutil


def scratch_pack(data, tmp, edit, lang="en"):
    """Copies the pack directory DATA to TMP/data and calls EDIT on its
    LANG/cues.json, loaded as a dict, which EDIT changes in place; the result
    is written back. Returns the copy's path (the caller owns TMP)."""
    pack = os.path.join(tmp, "data")
    shutil.copytree(data, pack)
    path = os.path.join(pack, lang, "cues.json")
    with open(path, encoding="utf-8") as f:
        cues = json.load(f)
    edit(cues)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cues, f)
    return pack
