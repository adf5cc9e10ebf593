"""The municipality's statutory work under Lag (2023:196): the kept lägesbild and the åtgärdsplan.

Depends on layers, surveys, core, geo and mapapp helpers; nothing there depends on this app.
"""
