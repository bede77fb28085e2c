#!/usr/bin/env python3
# Generate the JSON of a large synthetic checkpoint for bench-inspect.sh:
# one task with NVMAS VMAs and NFDS fds (regular files, pipes, unix sockets,
# eventfds), pagemap entries for every other VMA.  Templates for the small
# images come from a corpus case.  usage: gen-big-ckpt.py CORPUS_CASE OUTDIR NVMAS NFDS
import copy, json, os, sys

case, out, nvmas, nfds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
exp = os.path.join(case, 'expected', 'crit-4.2')
PID = 4242

def load(name):
    return json.load(open(os.path.join(exp, name)))

def dump(name, magic, entries):
    with open(os.path.join(out, name + '.json'), 'w') as f:
        json.dump({'magic': magic, 'entries': entries}, f)

os.makedirs(out, exist_ok=True)
inv = load('inventory.img.json')
dump('inventory.img', 'INVENTORY', inv['entries'])
cores = sorted(f for f in os.listdir(exp) if f.startswith('core-'))
core = load(cores[0])['entries'][0]
core['tc']['comm'] = 'bigproc'
dump('core-%d.img' % PID, 'CORE', [core])
dump('pstree.img', 'PSTREE', [{'pid': PID, 'ppid': 0, 'pgid': PID, 'sid': PID, 'threads': [PID]}])
ids = sorted(f for f in os.listdir(exp) if f.startswith('ids-'))
ide = load(ids[0])['entries'][0]
ide['files_id'] = 9
dump('ids-%d.img' % PID, 'IDS', [ide])
dump('fs-%d.img' % PID, 'FS', [{'cwd_id': 1, 'root_id': 2, 'umask': 18}])

fown = {'uid': 0, 'euid': 0, 'signum': 0, 'pid_type': 0, 'pid': 0}
files, fdinfo = [], []
NLIBS = 200
for i in range(1, NLIBS + 1):
    files.append({'type': 'REG', 'id': i, 'reg': {'id': i, 'flags': 0, 'pos': 0, 'fown': fown,
                  'name': '/usr/lib/bench/lib%04d.so' % i, 'size': 1 << 20, 'mode': 33261}})
nid = NLIBS + 1
for fd in range(nfds):
    kind = fd % 4
    if kind == 0:
        files.append({'type': 'REG', 'id': nid, 'reg': {'id': nid, 'flags': 2, 'pos': fd,
                      'fown': fown, 'name': '/var/tmp/bench/file-%05d' % fd, 'size': 4096}})
        t = 'REG'
    elif kind == 1:
        files.append({'type': 'PIPE', 'id': nid, 'pipe': {'id': nid, 'pipe_id': 100000 + fd,
                      'flags': 0, 'fown': fown}})
        t = 'PIPE'
    elif kind == 2:
        opts = {'so_sndbuf': 212992, 'so_rcvbuf': 212992, 'so_snd_tmo_sec': 0,
                'so_snd_tmo_usec': 0, 'so_rcv_tmo_sec': 0, 'so_rcv_tmo_usec': 0}
        files.append({'type': 'UNIXSK', 'id': nid, 'usk': {'id': nid, 'ino': 500000 + fd,
                      'type': 1, 'state': 1, 'flags': 0, 'uflags': 0, 'backlog': 0,
                      'peer': 600000 + fd, 'fown': fown, 'opts': opts, 'name': ''}})
        t = 'UNIXSK'
    else:
        files.append({'type': 'EVENTFD', 'id': nid, 'efd': {'id': nid, 'flags': 2,
                      'fown': fown, 'counter': 0}})
        t = 'EVENTFD'
    fdinfo.append({'id': nid, 'flags': 0, 'type': t, 'fd': fd})
    nid += 1
dump('files.img', 'FILES', files)
dump('fdinfo-9.img', 'FDINFO', fdinfo)

mm = load(sorted(f for f in os.listdir(exp) if f.startswith('mm-'))[0])['entries'][0]
vmas, pm = [], [{'pages_id': 1}]
addr = 0x7f0000000000
for i in range(nvmas):
    size = 4096 * (1 + i % 8)
    if i % 3 == 0:
        v = {'start': addr, 'end': addr + size, 'pgoff': 4096 * (i % 5), 'shmid': 1 + i % NLIBS,
             'prot': 5, 'flags': 2, 'status': 0x41, 'fd': -1}
    else:
        v = {'start': addr, 'end': addr + size, 'pgoff': 0, 'shmid': 0, 'prot': 3,
             'flags': 0x22, 'status': 0x201, 'fd': -1}
    vmas.append(v)
    if i % 2 == 0:
        pm.append({'vaddr': addr, 'compat_nr_pages': 0, 'flags': 4, 'nr_pages': 1})
    addr += size + 4096
mm['vmas'] = vmas
mm['exe_file_id'] = 1
dump('mm-%d.img' % PID, 'MM', [mm])
dump('pagemap-%d.img' % PID, 'PAGEMAP', pm)
print(len(pm) - 1)
