# Generated from ui/table_page.ui by tools/compile_forms.py (pyside6-uic). Do not edit.
# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'table_page.ui'
##
## Created by: Qt User Interface Compiler version 6.11.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QBrush, QColor, QConicalGradient, QCursor,
    QFont, QFontDatabase, QGradient, QIcon,
    QImage, QKeySequence, QLinearGradient, QPainter,
    QPalette, QPixmap, QRadialGradient, QTransform)
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QHBoxLayout, QHeaderView,
    QLabel, QLineEdit, QSizePolicy, QSpacerItem,
    QTableView, QVBoxLayout, QWidget)

class Ui_TablePage(object):
    def setupUi(self, TablePage):
        if not TablePage.objectName():
            TablePage.setObjectName(u"TablePage")
        TablePage.resize(900, 600)
        self.pageLayout = QVBoxLayout(TablePage)
        self.pageLayout.setSpacing(10)
        self.pageLayout.setObjectName(u"pageLayout")
        self.pageLayout.setContentsMargins(20, 16, 20, 12)
        self.headerLayout = QHBoxLayout()
        self.headerLayout.setObjectName(u"headerLayout")
        self.title = QLabel(TablePage)
        self.title.setObjectName(u"title")

        self.headerLayout.addWidget(self.title)

        self.headerSpacer = QSpacerItem(20, 20, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.headerLayout.addItem(self.headerSpacer)

        self.search = QLineEdit(TablePage)
        self.search.setObjectName(u"search")
        self.search.setMinimumSize(QSize(260, 0))
        self.search.setClearButtonEnabled(True)

        self.headerLayout.addWidget(self.search)


        self.pageLayout.addLayout(self.headerLayout)

        self.subtitle = QLabel(TablePage)
        self.subtitle.setObjectName(u"subtitle")
        self.subtitle.setWordWrap(True)

        self.pageLayout.addWidget(self.subtitle)

        self.toolbarLayout = QHBoxLayout()
        self.toolbarLayout.setSpacing(6)
        self.toolbarLayout.setObjectName(u"toolbarLayout")

        self.pageLayout.addLayout(self.toolbarLayout)

        self.table = QTableView(TablePage)
        self.table.setObjectName(u"table")
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)

        self.pageLayout.addWidget(self.table)

        self.footer = QLabel(TablePage)
        self.footer.setObjectName(u"footer")

        self.pageLayout.addWidget(self.footer)


        self.retranslateUi(TablePage)
    # setupUi

    def retranslateUi(self, TablePage):
        self.title.setText(QCoreApplication.translate("TablePage", u"Title", None))
#if QT_CONFIG(accessibility)
        self.title.setAccessibleName(QCoreApplication.translate("TablePage", u"Page title", None))
#endif // QT_CONFIG(accessibility)
        self.search.setPlaceholderText(QCoreApplication.translate("TablePage", u"Search\u2026", None))
#if QT_CONFIG(accessibility)
        self.search.setAccessibleName(QCoreApplication.translate("TablePage", u"Search", None))
#endif // QT_CONFIG(accessibility)
        self.subtitle.setText("")
#if QT_CONFIG(accessibility)
        self.table.setAccessibleName(QCoreApplication.translate("TablePage", u"Table", None))
#endif // QT_CONFIG(accessibility)
        self.footer.setText("")
        pass
    # retranslateUi

