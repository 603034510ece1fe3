from django.http import HttpResponse

from portal.decorators import contact_required


@contact_required
def widget_list(request, slug):
    return HttpResponse("WIDGET-LIST-PAGE")
