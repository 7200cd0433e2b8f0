"""Feedback: the satisfaction survey a requester answers after sending a request, and its report."""
