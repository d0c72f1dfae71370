"""Patrol visibility planner: where officers walk and stand during a shift.

The data flow is scenario -> street graph -> risk -> posts / routes -> plan -> exports, one module
per step; :func:`planner.pipeline.run` wires them.
"""

__version__ = "0.1.0"
