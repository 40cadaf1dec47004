from django.http import HttpResponse

from ..access import supervisors_only


@supervisors_only
def volume(request):
    return HttpResponse("volume: to be built")
