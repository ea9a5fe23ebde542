def working_library(request):
    """The working library and roles, for the desk header (set by ``staff_required``)."""
    return {
        "working_library": getattr(request, "working_library", None),
        "staff_access": getattr(request, "staff_access", None),
    }
