"""Streamlit app of the patrol planner: ``app.py`` is the entry, ``map.py`` builds the map."""
