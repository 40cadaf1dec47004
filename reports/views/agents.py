from django.http import HttpResponse

from ..access import supervisors_only


@supervisors_only
def agents(request):
    return HttpResponse("agents: to be built")


@supervisors_only
def teams(request):
    return HttpResponse("teams: to be built")
