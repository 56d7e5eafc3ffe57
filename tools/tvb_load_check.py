"""Load TVB H5 files with TVB's own framework code, as the web GUI importer does before touching
its database: data-version check, load_with_links (H5 class from TVB_written_by, every accessor,
generic attributes), DB index filling, and for time series the linked Connectivity resolved from the
same folder by GID. Prints one JSON document.

usage: python3 tools/tvb_load_check.py TVB_ROOT FILE.h5 [FILE.h5 ...]
TVB_ROOT is a tvb-root checkout (with tvb_library, tvb_framework, tvb_storage). Needs numpy,
scipy, h5py, sqlalchemy, psutil and requests (Debian: python3-numpy python3-scipy python3-h5py
python3-sqlalchemy python3-psutil python3-requests); the encryption/cluster modules pyAesCrypt and kubernetes are replaced
by empty stand-ins because the load path never uses them.
"""
import atexit, json, os, shutil, sys, tempfile

root = sys.argv[1]
stub = tempfile.mkdtemp(prefix='tvbstub-')
atexit.register(shutil.rmtree, stub, True)
for mod, body in {
    'pyAesCrypt/__init__.py': '',
    'kubernetes/__init__.py': 'class _A:\n    def __getattr__(self, k): return _A()\n    def __call__(self, *a, **k): return _A()\nclient = _A()\n',
    'kubernetes/config/__init__.py': 'from kubernetes import _A\nincluster_config = _A()\ndef load_incluster_config(*a, **k): pass\n',
}.items():
    os.makedirs(os.path.join(stub, os.path.dirname(mod)), exist_ok=True)
    open(os.path.join(stub, mod), 'w').write(body)
sys.path[:0] = [os.path.join(root, d) for d in ('tvb_library', 'tvb_framework', 'tvb_storage')] + [stub]
home = tempfile.mkdtemp(prefix='tvbhome-')  # TVB writes its settings and logs under HOME
atexit.register(shutil.rmtree, home, True)
os.environ['HOME'] = home

import warnings
warnings.simplefilter('ignore')
from tvb.basic.profile import TvbProfile
TvbProfile.set_profile(TvbProfile.TEST_SQLITE_PROFILE)
from tvb.core.neocom import h5
from tvb.core.neocom.h5 import REGISTRY
from tvb.config.init.datatypes_registry import populate_datatypes_registry
from tvb.storage.storage_interface import StorageInterface
populate_datatypes_registry()

out = {}
for p in sys.argv[2:]:
    ver = StorageInterface.get_storage_manager(p).get_file_data_version('Data_version')
    dt, ga = h5.load_with_links(p)
    idx = REGISTRY.get_index_for_datatype(type(dt))()
    idx.fill_from_has_traits(dt)
    idx.fill_from_generic_attributes(ga)
    r = {'type': type(dt).__name__, 'gid': str(dt.gid), 'data_version': int(ver), 'visible': bool(ga.visible), 'index': type(idx).__name__}
    if r['type'] == 'Connectivity':
        r.update({'n': int(dt.number_of_regions), 'weights': dt.weights.ravel().tolist(), 'tract_lengths': dt.tract_lengths.ravel().tolist(),
                  'centres': dt.centres.ravel().tolist(), 'labels': [str(x) for x in dt.region_labels], 'undirected': bool(dt.undirected),
                  'connections': int(idx.number_of_connections),
                  'cortical': None if dt.cortical is None else [str(dt.cortical.dtype), dt.cortical.tolist()],
                  'hemispheres': None if dt.hemispheres is None else [str(dt.hemispheres.dtype), dt.hemispheres.tolist()]})
    else:
        full = h5.load_with_references_from_dir(os.path.dirname(p), dt.gid)
        full = full[0] if isinstance(full, tuple) else full
        r.update({'shape': list(dt.data.shape), 'data': dt.data.ravel().tolist(), 'time': dt.time.tolist(), 'sample_period': float(dt.sample_period),
                  'unit': dt.sample_period_unit, 'start_time': float(dt.start_time), 'connectivity': str(dt.connectivity.gid), 'title': dt.title,
                  'labels_ordering': list(dt.labels_ordering), 'labels_dimensions': dt.labels_dimensions,
                  'index_connectivity': idx.fk_connectivity_gid, 'linked_regions': int(full.connectivity.number_of_regions),
                  'linked_weights_sum': float(full.connectivity.weights.sum())})
    out[os.path.basename(p)] = r
print(json.dumps(out))
