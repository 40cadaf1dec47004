from django.http import HttpResponse

from ..access import supervisors_only


@supervisors_only
def live(request):
    return HttpResponse("live: to be built")


@supervisors_only
def panel(request):
    return HttpResponse("live panel: to be built")
