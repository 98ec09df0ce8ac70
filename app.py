"""govsim's interactive page, in the Mesa tradition: `solara run app.py`
(or `govsim view [SCENARIO]`). Needs the viz extra: pip install -e '.[viz]'.

The page itself (levers by clause, outcomes over time, the community map, the case
pipeline and the workers' load, over Mesa's SolaraViz) is analysis/page.py.
"""

from analysis.page import Page

__all__ = ["Page"]
