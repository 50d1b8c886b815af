"""Summarises a Viceroy guest profile: share of samples per function, self and inclusive.

    viceroy serve --profile=guest,DIR,25us -C <manifest> target/wasm32-wasip1/release/ixora.wasm
    curl '<edge>/photo-2mp.jpg?w=800&fm=jpg&q=75'      # one profile per request, in DIR
    python3 bench/guest-profile.py DIR/<id>.json [top N]

The profile is Firefox Profiler's processed format (also viewable at profiler.firefox.com).
"""
import json, sys, collections, re
d = json.load(open(sys.argv[1]))
top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
t = d['threads'][0]
S = t['stringArray']
ft, fn, st, sm = t['frameTable'], t['funcTable'], t['stackTable'], t['samples']
def name(frame):
    n = S[fn['name'][ft['func'][frame]]]
    n = re.sub(r'::h[0-9a-f]{16}$', '', n)
    return n[:150]
selfc, incl = collections.Counter(), collections.Counter()
total = 0
for s in sm['stack']:
    if s is None: continue
    total += 1
    frames = []
    while s is not None:
        frames.append(st['frame'][s]); s = st['prefix'][s]
    selfc[name(frames[0])] += 1
    for n in set(name(f) for f in frames):
        incl[n] += 1
print(f"samples {total}")
print("-- self")
for n, c in selfc.most_common(top): print(f"{100*c/total:5.1f}%  {n}")
print("-- inclusive")
for n, c in incl.most_common(top*2):
    if any(k in n for k in ('ixora', 'jpeg_decoder', 'jpeg_encoder', 'fast_image_resize', 'libwebp', 'Webp', 'memset', 'memcpy', 'huffman', 'idct', 'color', 'upsampl')):
        print(f"{100*c/total:5.1f}%  {n}")
