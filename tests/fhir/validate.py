"""Validates FHIR resources with an implementation this project did not write (issue 16): PyPI
`fhir.resources`, its R4B models (pydantic), which check element names, types and
cardinalities of the base resources, and refuse unknown elements.

    python validate.py FILE   # FILE: a JSON array of resources; exit 1 if any is invalid

Each Bundle's entries are validated again on their own, as their own resource type (the
Bundle's model types `entry.resource` as any resource).
"""

import json
import sys

from fhir.resources.R4B import get_fhir_model_class


def validate(resource, where, errors):
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    if not kind:
        errors.append(f"{where}: no resourceType")
        return
    try:
        get_fhir_model_class(kind).model_validate(resource)
    except Exception as e:  # the model's ValidationError, or an unknown resource type
        errors.append(f"{where} ({kind}): {e}")
        return
    if kind == "Bundle":
        for i, entry in enumerate(resource.get("entry", [])):
            validate(entry.get("resource"), f"{where}.entry[{i}]", errors)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        resources = json.load(f)
    errors = []
    for i, resource in enumerate(resources):
        validate(resource, f"[{i}]", errors)
    for error in errors:
        print(error)
    print(f"{len(resources)} resources, {len(errors)} invalid")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
