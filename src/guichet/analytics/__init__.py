"""Analytics: folds of the event log into facts, dashboard metrics and exports (R-AN-1..R-AN-8).

Nothing here runs inside the routing loop: the projection reads ``interaction_events`` on
demand, so dashboards cannot slow routing (DESIGN).
"""
