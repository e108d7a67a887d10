# Runs an unpacked cloud-init's own code on a NoCloud seed: loads each file with its YAML loader,
# parses network-config into its network state, and renders it with each network renderer into
# OUT/<renderer>/ (the files a guest would get). Usage: PYTHONPATH=CLOUDINIT python3 THIS SEED OUT
# Prints JSON: {"version": ..., "metaData": ..., "userData": ..., "rendered": [renderer, ...]}.
import json
import os
import sys

from cloudinit import util, version
from cloudinit.distros import debian, rhel
from cloudinit.net import eni, netplan, network_manager, network_state, networkd, sysconfig

seed, out = sys.argv[1], sys.argv[2]
read = lambda name: util.load_yaml(open(os.path.join(seed, name)).read())
meta, user, net = read("meta-data"), read("user-data"), read("network-config")
renderers = {
    "eni": (eni.Renderer, debian.Distro.renderer_configs["eni"]),
    "netplan": (netplan.Renderer, {**debian.Distro.renderer_configs["netplan"], "postcmds": False}),
    "networkd": (networkd.Renderer, {}),
    "sysconfig": (sysconfig.Renderer, {**rhel.Distro.renderer_configs["sysconfig"], "flavor": "rhel"}),
    "network-manager": (network_manager.Renderer, {}),
}



def relative(config):
    """Paths made relative: netplan joins an absolute netplan_path onto the target, escaping it."""
    return {k: (v.lstrip("/") if isinstance(v, str) and v.startswith("/") else v) for k, v in config.items()}


for name, (cls, config) in renderers.items():
    target = os.path.join(out, name)
    os.makedirs(target, exist_ok=True)
    # Parsed once per renderer: the ENI renderer pops keys out of the network state it renders.
    state = network_state.parse_net_config_data(net, skip_broken=False)
    cls(config=relative(config)).render_network_state(state, target=target)
print(json.dumps({"version": version.version_string(), "metaData": meta, "userData": user, "rendered": list(renderers)}))
