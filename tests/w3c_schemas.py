"""The W3C Web Annotation Data Model's MUST assertions, as a checker for tests.

The schemas are the W3C web-annotation-tests suite, copied into
tests/standards/w3c/ (BSD-3-Clause, see its license.md). How they fit:

- a ``.test`` file (e.g. annotations/annotationMusts.test) lists assertion
  files by path from the suite's root, possibly in nested lists;
- an assertion is a draft-04 schema whose ``id`` is its bare file name, with
  JSONtest keys: ``assertionType`` (must | should | may), ``expectedResult``
  (valid | invalid: for "invalid", matching the schema is the failure) and
  ``errorMessage``;
- assertions and the shared definitions/*.json ``$ref`` each other by bare
  file name ("id.json#/definitions/stringUri"). With no absolute base
  anywhere, we give every definition and assertion one made-up base, BASE,
  and register the definitions under BASE + name in a referencing.Registry
  (and under the bare name too: a draft-04 schema whose root is a ``$ref``
  ignores its sibling ``id``, so such a ref resolves to the bare name). No
  network is used.
- ``format: uri`` and ``date-time`` are enforced, as the suite's own harness
  did, with jsonschema's FormatChecker; it checks them only when rfc3987 and
  rfc3339-validator are installed, so ``format_checker`` refuses to run
  without them rather than letting every string pass.
"""

import functools
import json
from pathlib import Path

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SUITE = Path(__file__).resolve().parent / "standards" / "w3c"
BASE = "https://web-annotation-tests.invalid/"

ANNOTATION_MUSTS = "annotations/annotationMusts.test"
COLLECTION_MUSTS = "collections/collectionMusts.test"
PAGE_MUSTS = "collections/pages/pageMusts.test"


def _load(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


@functools.cache
def registry():
    """Every definitions/*.json, under BASE + its name and its bare name."""
    resources = []
    for path in sorted((SUITE / "definitions").glob("*.json")):
        schema = {**_load(path), "id": BASE + path.name}  # so refs inside it resolve under BASE too
        resource = Resource.from_contents(schema, default_specification=DRAFT4)
        resources += [(BASE + path.name, resource), (path.name, resource)]
    return Registry().with_resources(resources)


@functools.cache
def format_checker():
    """A FormatChecker that really checks ``uri`` and ``date-time``."""
    checker = FormatChecker()
    if checker.conforms("not a uri", "uri") or checker.conforms("yesterday", "date-time"):
        raise RuntimeError("jsonschema checks no uri/date-time formats: pip install rfc3987 rfc3339-validator "
                           "(both are in the test extra).")
    return checker


@functools.cache
def assertions(test_file):
    """The assertions a .test file lists: tuple of (path, level, expected
    valid (bool), error message, validator)."""
    paths = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                paths.append(item)

    walk(_load(SUITE / test_file)["assertions"])
    found = []
    for path in paths:
        schema = {**_load(SUITE / path), "id": BASE + Path(path).name}
        validator = Draft4Validator(schema, registry=registry(), format_checker=format_checker())
        found.append((path, schema.get("assertionType", "must"), schema.get("expectedResult", "valid") == "valid",
                      schema.get("errorMessage") or schema.get("title", ""), validator))
    return tuple(found)


def failures(instance, test_file=ANNOTATION_MUSTS, level="must"):
    """The assertions of ``test_file`` at ``level`` that ``instance`` (parsed
    JSON) fails: list of "path: message" strings, empty when it passes all."""
    return [f"{path}: {message}" for path, kind, expected, message, validator in assertions(test_file)
            if kind == level and validator.is_valid(instance) != expected]
