#!/usr/bin/env bash
# Hotline prompts: every row of channels/hotline/prompts/prompts.tsv spoken by espeak-ng (voices cmn and en)
# into zh/<name>.wav and en/<name>.wav, 8 kHz mono 16-bit PCM, silence trimmed at both ends; plus the tone before
# a voicemail (beep.wav).
# A city replaces any of them with its own recordings of the same names (setting sip.prompts_dir).
set -euo pipefail
dir="$(cd "$(dirname "$0")/../channels/hotline/prompts" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$dir/zh" "$dir/en"
tail -n +2 "$dir/prompts.tsv" | while IFS=$'\t' read -r name zh en; do
  espeak-ng -v cmn -s 190 -w "$tmp/zh.wav" "$zh"
  espeak-ng -v en -s 165 -w "$tmp/en.wav" "$en"
  sox "$tmp/zh.wav" -r 8000 -c 1 -b 16 "$dir/zh/$name.wav" gain -3 silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse
  sox "$tmp/en.wav" -r 8000 -c 1 -b 16 "$dir/en/$name.wav" gain -3 silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse
done
for lang in zh en; do
  sox -n -r 8000 -c 1 -b 16 "$dir/$lang/beep.wav" synth 0.4 sine 1000 gain -6
done
