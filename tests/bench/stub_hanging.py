"""A benchmark that hangs with a server of its own, for the runner's tests: the server's
pid goes to the file named by STUB_PID_FILE."""

import os
import subprocess
import time

server = subprocess.Popen(["sleep", "300"])
with open(os.environ["STUB_PID_FILE"], "w") as pid_file:
    pid_file.write(str(server.pid))
time.sleep(300)
