"""One base for the errors a user can act on: :class:`KitError`.

Every error the kit raises on purpose (bad data, bad parameters, an unknown quarter, a report
run that cannot start...) derives from :class:`KitError`. It carries the exit status of the
``kit`` command (``exit_code``) and a headline in the report language (:meth:`KitError.message`),
so the command line catches one class in one place and never shows a traceback for them.

A subclass names its exit status in its class line::

    class SchemaError(KitError, exit_code=2): ...

Exit statuses: 2 the data breaks the data contract, 3 too many bad rows, 4 bad parameters,
options or requests, 5 a report quarter failed, 130 interrupted.

This module is a leaf: it imports nothing from the kit at import time.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = ["KitError", "EXIT_SCHEMA", "EXIT_QUALITY", "EXIT_USAGE", "EXIT_REPORT", "EXIT_INTERRUPTED"]

EXIT_SCHEMA = 2
EXIT_QUALITY = 3
EXIT_USAGE = 4
EXIT_REPORT = 5
EXIT_INTERRUPTED = 130


class KitError(Exception):
    """An error a user can act on: the message says what is wrong and where.

    Attributes
    ----------
    exit_code : int
        The exit status of the ``kit`` command for this error (class attribute; 4 unless the
        subclass names another).

    Examples
    --------
    >>> class QuarterMissing(KitError, exit_code=4):
    ...     pass
    >>> err = QuarterMissing("no data for 2019Q1")
    >>> err.exit_code, err.message("en"), err.message("zh")
    (4, 'no data for 2019Q1', '请求无效：no data for 2019Q1')
    """

    exit_code: ClassVar[int] = EXIT_USAGE

    def __init_subclass__(cls, exit_code: int | None = None, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if exit_code is not None:
            cls.exit_code = int(exit_code)

    def headline(self, lang: str = "en") -> str:
        """What kind of problem this is, in the report language (``error.<kind>`` in kit/locales)."""
        from kit import i18n

        for klass in type(self).__mro__:
            key = f"error.{klass.__name__}"
            if i18n.has(key, lang):
                return i18n.t(key, lang)
        return i18n.t("error.KitError", lang)

    def message(self, lang: str = "en") -> str:
        """The message for a user of the report language ``lang``.

        The details (``str(self)``) name the table, column, row, parameter or quarter, in
        English; in another report language they follow a headline in that language.
        """
        detail = str(self).strip()
        if lang == "en":
            return detail or self.headline(lang)
        head = self.headline(lang)
        return f"{head}：{detail}" if detail else head
