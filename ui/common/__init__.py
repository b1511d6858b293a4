"""What every window shares: the one write funnel (funnel), undo steps (commands), worker jobs,
teammates' live changes, plain-text message boxes, dialog placement, severity colours,
remembered window layout, stop signals and text fields that hand keys back. It imports no other
ui package.
"""
