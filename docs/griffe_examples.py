"""A griffe extension: docstrings written for both Sphinx habits and Google
style render cleanly in the API reference.

* Sections titled "Example:" or "Example (...):" render as examples (code), as
  "Examples:" does. Otherwise Google-style parsing takes them for prose, and a
  doctest output like ``['a', 'const']`` reads as a broken link.
* Sphinx roles (``:class:`Value```) become inline code.
"""

import re

import griffe

EXAMPLE_TITLE = re.compile(r"^(\s*)Examples?\s*(\([^\n]*\))?:[ \t]*$", re.M)
SPHINX_ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj):`~?([^`]+)`")


class ExampleSections(griffe.Extension):
    def on_instance(self, *, obj, **kwargs):
        if obj.docstring is not None:
            text = EXAMPLE_TITLE.sub(r"\1Examples:", obj.docstring.value)
            obj.docstring.value = SPHINX_ROLE.sub(r"`\1`", text)
