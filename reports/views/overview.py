from django.http import HttpResponse

from ..access import supervisors_only


@supervisors_only
def overview(request):
    return HttpResponse("overview: to be built")
