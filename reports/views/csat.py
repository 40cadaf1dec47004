from django.http import HttpResponse

from ..access import supervisors_only


@supervisors_only
def csat(request):
    return HttpResponse("csat: to be built")
