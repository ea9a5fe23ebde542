def working_library(request):
    """The working library and roles, for the desk header (set by ``staff_required``)."""
    access = getattr(request, "staff_access", None)
    library = getattr(request, "working_library", None)
    return {
        "working_library": library,
        "staff_access": access,
        "is_library_admin": bool(access and library and access.has("library_admin", library)),
        "is_cataloguer": bool(access and library and access.has("cataloguer", library)),
    }
