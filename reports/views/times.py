from django.http import HttpResponse

from ..access import supervisors_only


@supervisors_only
def times(request):
    return HttpResponse("times: to be built")
