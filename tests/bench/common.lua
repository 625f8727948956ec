-- shared by the bench scripts: bearer token from the environment, JSON body per request
counter = 0
token = os.getenv("TOKEN") or ""
headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
