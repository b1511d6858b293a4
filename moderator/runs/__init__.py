"""Long work over the whole database, a unit of work at a time and stoppable between units:
a rule set over stored comments (rules), the ranker learning and placing (ranking). The
command line and the window's workers run them; they may import services, insights and below.
"""
