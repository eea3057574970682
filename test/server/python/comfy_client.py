"""A ComfyUI API client as ComfyUI's own examples write one (websocket_api_example.py and
basic_api_example.py): urllib with its default headers, and websocket-client where installed.

Usage: comfy_client.py HOST:PORT MODE < prompt.json
  MODE websocket      queue, follow /ws until `executing` with node None, read /history, fetch /view
  MODE first-executed queue, follow /ws until the first `executed`, fetch the images it names
  MODE poll           queue, poll /history until the prompt is there (urllib only)
Prints one JSON object: {"prompt_id": ..., "images": {node_id: [{"filename", "bytes", "png"}]}}.
"""
import json
import sys
import time
import urllib.parse
import urllib.request
import uuid

server_address = sys.argv[1]
mode = sys.argv[2]
client_id = str(uuid.uuid4())


def queue_prompt(prompt, prompt_id):
    p = {"prompt": prompt, "client_id": client_id, "prompt_id": prompt_id}
    data = json.dumps(p).encode("utf-8")
    # No Content-Type given: urllib sends application/x-www-form-urlencoded, as in ComfyUI's examples.
    req = urllib.request.Request("http://{}/prompt".format(server_address), data=data)
    return json.loads(urllib.request.urlopen(req).read())


def get_image(filename, subfolder, folder_type):
    data = {"filename": filename, "subfolder": subfolder, "type": folder_type}
    url_values = urllib.parse.urlencode(data)
    with urllib.request.urlopen("http://{}/view?{}".format(server_address, url_values)) as response:
        return response.read()


def get_history(prompt_id):
    with urllib.request.urlopen("http://{}/history/{}".format(server_address, prompt_id)) as response:
        return json.loads(response.read())


def describe(images):
    return [{"filename": i["filename"], "bytes": len(data), "png": data[:8] == b"\x89PNG\r\n\x1a\n"} for i, data in images]


def images_of(outputs):
    found = {}
    for node_id in outputs:
        node_output = outputs[node_id]
        if "images" in node_output:
            found[node_id] = describe([(image, get_image(image["filename"], image["subfolder"], image["type"])) for image in node_output["images"]])
    return found


def run_websocket(prompt, first_executed):
    import websocket  # websocket-client

    ws = websocket.WebSocket()
    ws.connect("ws://{}/ws?clientId={}".format(server_address, client_id))
    prompt_id = str(uuid.uuid4())
    queue_prompt(prompt, prompt_id)
    while True:
        out = ws.recv()
        if not isinstance(out, str):
            continue  # previews
        message = json.loads(out)
        data = message["data"]
        if first_executed and message["type"] == "executed" and data["prompt_id"] == prompt_id:
            ws.close()
            return prompt_id, images_of({data["node"]: data["output"]})
        if message["type"] == "executing" and data["node"] is None and data["prompt_id"] == prompt_id:
            break
    ws.close()
    return prompt_id, images_of(get_history(prompt_id)[prompt_id]["outputs"])


def run_poll(prompt):
    prompt_id = queue_prompt(prompt, str(uuid.uuid4()))["prompt_id"]
    for _ in range(600):
        history = get_history(prompt_id)
        if prompt_id in history:
            return prompt_id, images_of(history[prompt_id]["outputs"])
        time.sleep(0.1)
    raise SystemExit("prompt {} did not finish".format(prompt_id))


prompt = json.load(sys.stdin)
if mode == "poll":
    result = run_poll(prompt)
else:
    result = run_websocket(prompt, mode == "first-executed")
print(json.dumps({"prompt_id": result[0], "images": result[1]}))
