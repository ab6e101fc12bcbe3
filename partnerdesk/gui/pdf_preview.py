"""A PDF shown from bytes held in memory (QtPdf), and printing one or several PDFs in one print job."""

from __future__ import annotations

from typing import Iterable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


def print_pdfs(printer: QPrinter, documents: Iterable[bytes]) -> int:
    """Paint every page of every PDF onto ``printer``, one job (rendered at the printer's resolution);
    returns the pages printed."""
    painter = QPainter()
    pages = 0
    try:
        for data in documents:
            buf = QBuffer()
            buf.setData(QByteArray(data))
            buf.open(QIODevice.OpenModeFlag.ReadOnly)
            doc = QPdfDocument()
            doc.load(buf)
            try:
                for i in range(doc.pageCount()):
                    if pages == 0:
                        if not painter.begin(printer):
                            return 0
                    else:
                        printer.newPage()
                    _paint_page(painter, printer, doc, i)
                    pages += 1
            finally:
                doc.close()
                buf.close()
    finally:
        if painter.isActive():
            painter.end()
    return pages


def _paint_page(painter: QPainter, printer: QPrinter, doc: QPdfDocument, i: int) -> None:
    dpi = printer.resolution()
    pts = doc.pagePointSize(i)
    size = QSize(int(pts.width() / 72 * dpi), int(pts.height() / 72 * dpi))
    image = doc.render(i, size)
    target = painter.viewport()
    scale = min(target.width() / size.width(), target.height() / size.height())
    w, h = size.width() * scale, size.height() * scale
    painter.drawImage(QRectF(QPointF(0, 0), QPointF(w, h)), image)


class PdfPreview(QWidget):
    """A QPdfView over PDF bytes held in memory."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = QPdfDocument(self)
        self.view = self._make_view(self.document)
        self.caption = QLabel("Select a statement to preview it.", self)
        self.caption.setWordWrap(True)
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(0, 0, 0, 0)
        self.lay.addWidget(self.caption)
        self.lay.addWidget(self.view, 1)
        self._buffer: QBuffer | None = None
        self.data = b""

    def _make_view(self, doc: QPdfDocument) -> QPdfView:
        view = QPdfView(self)
        view.setDocument(doc)
        view.setPageMode(QPdfView.PageMode.MultiPage)
        view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        view.setAccessibleName("Statement preview")
        return view

    def show_pdf(self, data: bytes, caption: str) -> None:
        """Show ``data`` in a fresh QPdfDocument (the view keeps no stale pages of the previous one)."""
        old_doc, old_buf = self.document, self._buffer
        self.data = data
        buf = QBuffer(self)
        buf.setData(QByteArray(data))
        buf.open(QIODevice.OpenModeFlag.ReadOnly)
        doc = QPdfDocument(self)
        doc.load(buf)
        self.document, self._buffer = doc, buf
        old_view, self.view = self.view, self._make_view(doc)  # a fresh view: no cached pages of the last one
        self.lay.replaceWidget(old_view, self.view)
        old_view.deleteLater()
        self.caption.setText(caption)
        old_doc.close()
        old_doc.deleteLater()
        if old_buf is not None:
            old_buf.close()
            old_buf.deleteLater()

    def clear(self, caption: str = "Select a statement to preview it.") -> None:
        self.show_pdf(b"", caption)

    def page_count(self) -> int:
        return self.document.pageCount()

    def print_to(self, printer: QPrinter) -> int:
        """Paint every page onto ``printer``; returns pages printed."""
        return print_pdfs(printer, [self.data]) if self.document.pageCount() else 0
