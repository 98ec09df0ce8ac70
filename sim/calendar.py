"""The model's calendar: one step is a week, a month is four weeks, a year 52.

A neutral module that the model, the agents and the outcomes all import, so that no
bare 52 or 4 stands for a span of time anywhere in the code. Thirteen four-week
"months" make a year: monthly processes run when week % WEEKS_PER_MONTH == 0 and
yearly ones when week % WEEKS_PER_YEAR == 0 (docs/ODD.md §2.3).
"""

WEEKS_PER_YEAR = 52
WEEKS_PER_MONTH = 4
MONTHS_PER_YEAR = WEEKS_PER_YEAR // WEEKS_PER_MONTH
