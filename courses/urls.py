from django.http import HttpResponse
from django.urls import path

app_name = "courses"

urlpatterns = [path("", lambda request: HttpResponse("Zhiqiao"), name="home")]
