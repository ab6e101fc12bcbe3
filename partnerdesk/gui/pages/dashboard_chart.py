"""The Dashboard's bar chart: hours given vs received by quarter of the fiscal year (QtCharts)."""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter

GIVEN_COLOR = "#2f6db5"
RECEIVED_COLOR = "#e0892b"


class QuarterChart(QChartView):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAccessibleName("Hours by quarter")
        self.setMinimumHeight(220)
        self.setMaximumHeight(260)
        chart = QChart()
        chart.setTitle("Hours by quarter")
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.setChart(chart)
        self.values: list[tuple[str, float, float]] = []

    def set_data(self, by_quarter: list[dict]) -> None:
        """``by_quarter``: [{quarter, minutes_given, minutes_received}] as BalanceService.hours_by_quarter."""
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        self.values = [(q["quarter"], q["minutes_given"] / 60, q["minutes_received"] / 60) for q in by_quarter]
        given, received = QBarSet("We helped them"), QBarSet("They helped us")
        given.setColor(QColor(GIVEN_COLOR))
        received.setColor(QColor(RECEIVED_COLOR))
        for _q, g, r in self.values:  # whole hours: a label like "10210", never "1.021e+04"
            given.append(round(g))
            received.append(round(r))
        series = QBarSeries()
        series.append(given)
        series.append(received)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value")
        series.setLabelsPrecision(12)
        chart.addSeries(series)
        x = QBarCategoryAxis()
        x.append([q for q, _g, _r in self.values])
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x)
        y = QValueAxis()
        top = max([g for _q, g, _r in self.values] + [r for _q, _g, r in self.values] + [1])
        y.setRange(0, top * 1.15)
        y.setLabelFormat("%.0f h")
        y.applyNiceNumbers()
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(y)
