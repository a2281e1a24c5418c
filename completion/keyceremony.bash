# bash completion for the keyceremony commands: ca-init, ca-sign-sub,
# ca-issue, ca-crl, ca-log, ca-audit, ca-ceremony, ca-backup and ca-plan.
# Installed once per command name under
# share/bash-completion/completions, or sourced from ~/.bashrc.

_keyceremony()
{
	local cur prev cmd words
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=${COMP_WORDS[0]##*/}

	case $prev in
	-d|--dir|--out|--html|--shares-out|--from|--csrs)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	--csr|--cross|--cert|--profile|--chain|--install|--module|--ceremony|--script|--windows|--list)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--algorithm)
		COMPREPLY=($(compgen -W 'p384 p256 rsa3072 rsa4096' -- "$cur"))
		return ;;
	--reason)
		COMPREPLY=($(compgen -W 'unspecified keyCompromise cACompromise
		    affiliationChanged superseded cessationOfOperation
		    privilegeWithdrawn' -- "$cur"))
		return ;;
	--idp)
		COMPREPLY=($(compgen -W 'full scope none' -- "$cur"))
		return ;;
	--person)
		COMPREPLY=($(compgen -W 'administrator: witness: custodian:
		    auditor:' -- "$cur"))
		compopt -o nospace 2>/dev/null
		return ;;
	--script)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--pin-source|--so-pin-source|--scratch-pin-source)
		COMPREPLY=($(compgen -W 'file: fd:' -- "$cur"))
		compopt -o nospace 2>/dev/null
		return ;;
	esac

	case $cmd in
	ca-init)
		words='-d --dir --token --ceremony --custodians --threshold
		    --shares-out --algorithm
		    --subject --profile --backup-capable --pin-source
		    --confirm-clock --module
		    --operator --witness --sub --install --chain --help
		    --version' ;;
	ca-sign-sub)
		words='-d --dir --csr --cross --profile --out --der
		    --not-before --not-after --windows --site
		    --pin-source --confirm-clock --operator --witness --help
		    --version' ;;
	ca-issue)
		words='-d --dir --profile --csrs --list --out --keep-going
		    --sessions --not-before --not-after --windows --site
		    --pin-source --confirm-clock --operator --witness --help
		    --version' ;;
	ca-crl)
		if [ "$COMP_CWORD" -eq 1 ]; then
			COMPREPLY=($(compgen -W 'revoke issue status export' \
			    -- "$cur"))
			return
		fi
		words='-d --dir --serial --cert --reason --invalidity-date
		    --next-update --idp --margin --out --pin-source
		    --confirm-clock --operator
		    --witness --help --version' ;;
	ca-log)
		if [ "$COMP_CWORD" -eq 1 ]; then
			COMPREPLY=($(compgen -W 'verify recover' -- "$cur"))
			return
		fi
		words='-d --dir --anchor --help --version' ;;
	ca-ceremony)
		if [ "$COMP_CWORD" -eq 1 ]; then
			COMPREPLY=($(compgen -W 'plan open attest deviation abort seal resplit words' \
			    -- "$cur"))
			return
		fi
		words='-d --dir --id --purpose --script --approval --location
		    --person --hsm-model --hsm-serial --token-serial --bag
		    --laptop --os-image-sha256 --by --statement --what --why
		    --approved-by --out --custodians --threshold --shares-out
		    --pin-source --confirm-clock --help --version' ;;
	ca-audit)
		words='-d --dir --anchor --expect-head --binary
		    --device-lifetime --json --html --windows --site --margin
		    --help --version' ;;
	ca-plan)
		words='-d --dir --windows --site --margin --json --help
		    --version' ;;
	ca-backup)
		if [ "$COMP_CWORD" -eq 1 ]; then
			COMPREPLY=($(compgen -W 'wrap-key backup restore' \
			    -- "$cur"))
			return
		fi
		words='-d --dir --custodians --threshold --shares-out
		    --so-pin-source --out --scratch-token --scratch-pin-source
		    --wrap-shares --from --token --module --pin-shares
		    --pin-source --operator --witness --confirm-clock --help
		    --version' ;;
	esac
	COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _keyceremony ca-init ca-sign-sub ca-issue ca-crl ca-log \
    ca-audit ca-ceremony ca-backup ca-plan
