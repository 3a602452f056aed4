# shellcheck shell=bash
# Suite ansible: Debian's ansible, community.general.capabilities with
# fcap's getcap and setcap first on PATH, on a copy of a binary: present
# (changed), present again (not changed), check mode (changed, nothing
# written), absent (changed), absent again (not changed). The same play
# then runs with libcap's tools on another copy, and the results and the
# final xattrs must agree.

suite_ansible() {
	if ! command -v ansible-playbook >/dev/null; then
		skip "ansible" "ansible-playbook is not installed"
		return
	fi
	local d=$WORK/ansible
	mkdir -p "$d/tmp"
	cp /usr/bin/true "$d/fcap-prog"
	cp /usr/bin/true "$d/libcap-prog"
	write_play "$d/play.yml"

	local log=$d/fcap.trace
	play "fcap" "$d/fcap-prog" "$SHIMS:" "$log"
	ran_shim "the capabilities module" getcap "$log"
	ran_shim "the capabilities module" setcap "$log"
	if [ -x /usr/sbin/setcap ]; then
		play "libcap" "$d/libcap-prog" "" /dev/null
		same "final xattr matches libcap's" "$(xattr_hex "$d/fcap-prog")" "$(xattr_hex "$d/libcap-prog")"
	fi
}

# play WHO FILE PATHPREFIX TRACE runs the playbook on FILE and checks its
# recap and the file.
play() {
	local who=$1 file=$2 prefix=$3 trace=$4 out rc
	out=$(ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 \
		ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
		ANSIBLE_LOCAL_TEMP="$WORK/ansible/tmp" ANSIBLE_REMOTE_TEMP="$WORK/ansible/tmp" \
		traced "$trace" ansible-playbook -i localhost, -c local \
		-e "target=$file" -e "tools=$prefix" "$WORK/ansible/play.yml" 2>&1)
	rc=$?
	local recap
	recap=$(printf '%s\n' "$out" | grep -E '^localhost +:' | tr -s ' ')
	if [ "$rc" -eq 0 ] && [[ $recap == *" changed=3 "*" failed=0 "* ]]; then
		ok "$who: play passes, PLAY RECAP changed=3 failed=0"
	else
		bad "$who: play passes, PLAY RECAP changed=3 failed=0" "exit $rc"$'\n'"$(printf '%s\n' "$out" | tail -25)"
	fi
	local left
	left=$(/usr/sbin/getcap -v "$file")
	if [ "$left" = "$file" ] || [ "$left" = "$file =" ]; then
		ok "$who: no capability left after absent ($(xattr_hex "$file"))"
	else
		bad "$who: no capability left after absent" "$left"
	fi
}

# write_play FILE writes the playbook. Each step registers its result and
# the asserts at the end check changed/not changed and what libcap's
# getcap reads from the file after each step.
write_play() {
	cat >"$1" <<'YAML'
- hosts: all
  gather_facts: false
  environment:
    PATH: "{{ tools }}{{ lookup('env', 'PATH') }}"
  tasks:
    - name: present
      community.general.capabilities: {path: "{{ target }}", capability: cap_net_raw=ep, state: present}
      register: present1
    - name: read back after present
      ansible.builtin.command: /usr/sbin/getcap {{ target }}
      register: after_present
      changed_when: false
    - name: present again
      community.general.capabilities: {path: "{{ target }}", capability: cap_net_raw=ep, state: present}
      register: present2
    - name: check mode
      community.general.capabilities: {path: "{{ target }}", capability: cap_net_admin=ep, state: present}
      check_mode: true
      register: checked
    - name: read back after check mode
      ansible.builtin.command: /usr/sbin/getcap {{ target }}
      register: after_check
      changed_when: false
    - name: absent
      community.general.capabilities: {path: "{{ target }}", capability: cap_net_raw, state: absent}
      register: absent1
    - name: absent again
      community.general.capabilities: {path: "{{ target }}", capability: cap_net_raw, state: absent}
      register: absent2
    - name: results
      ansible.builtin.assert:
        that:
          - present1 is changed
          - after_present.stdout == target ~ ' cap_net_raw=ep'
          - present2 is not changed
          - checked is changed
          - after_check.stdout == target ~ ' cap_net_raw=ep'
          - absent1 is changed
          - absent2 is not changed
YAML
}
