#!/usr/bin/perl
# A strict SMSC for the smpp carrier's tests: Debian's Net::SMPP
# (libnet-smpp-perl) listening on 127.0.0.1 as an SMPP 3.4 SMSC.
#
#   smsc.pl --port 0 --port-file F --system-id ID --password PW
#           [--system-type T] [--mode-file F] [--log F.jsonl]
#
# It accepts bind_transceiver (checks system_id, password, system_type and
# interface_version 0x34), answers enquire_link and unbind, and answers each
# submit_sm as the mode file says: a comma-separated list, each submit_sm
# takes the next mode, the last one repeats; the file is read again when it
# changes. Modes:
#   ok          ESME_ROK (message_id in hex), then a deliver_sm receipt
#               "id:<the id in decimal> ... stat:DELIVRD" (no TLVs)
#   tlv         ESME_ROK, receipt with receipted_message_id and message_state
#   noreceipt   ESME_ROK, no receipt
#   undeliv     ESME_ROK, receipt stat:UNDELIV
#   throttle    ESME_RTHROTTLED (0x58)    qfull    ESME_RMSGQFUL (0x14)
#   invdst      ESME_RINVDSTADR (0x0B)    syserr   ESME_RSYSERR (0x08)
#   hang        no answer                 close    closes the connection
# Every PDU is checked (TON/NPI, address digits, registered_delivery=1,
# data_coding 0 with GSM-7 septets or 8 with UCS-2, lengths); what fails is
# written to stderr as "invalid request: ..." and answered ESME_RSYSERR.
# Each event is a JSON line in --log: bind, enquire_link, unbind, and
# submit_sm with to, from, ton/npi, data_coding, text (decoded), mode.
# SIGTERM stops it.
use strict;
use warnings;
use Encode qw(decode encode);
use Getopt::Long;
use IO::Select;
use JSON::PP;
use Net::SMPP;

my ($port, $port_file, $system_id, $password, $system_type, $mode_file, $log) =
    (0, undef, 'otpsms', 'secret', '', undef, undef);
GetOptions('port=i' => \$port, 'port-file=s' => \$port_file,
    'system-id=s' => \$system_id, 'password=s' => \$password,
    'system-type=s' => \$system_type, 'mode-file=s' => \$mode_file,
    'log=s' => \$log) or die "usage\n";

# GSM 03.38: septet -> Unicode, and the extension table after ESC.
my @gsm = map { chr } (
    0x40, 0xa3, 0x24, 0xa5, 0xe8, 0xe9, 0xf9, 0xec, 0xf2, 0xc7, 0x0a, 0xd8, 0xf8, 0x0d, 0xc5, 0xe5,
    0x394, 0x5f, 0x3a6, 0x393, 0x39b, 0x3a9, 0x3a0, 0x3a8, 0x3a3, 0x398, 0x39e, 0x1b, 0xc6, 0xe6, 0xdf, 0xc9,
    0x20, 0x21, 0x22, 0x23, 0xa4, 0x25 .. 0x3f,
    0xa1, 0x41 .. 0x5a, 0xc4, 0xd6, 0xd1, 0xdc, 0xa7,
    0xbf, 0x61 .. 0x7a, 0xe4, 0xf6, 0xf1, 0xfc, 0xe0);
die "GSM table" unless @gsm == 128;
my %gsm_ext = (0x0a => "\f", 0x14 => '^', 0x28 => '{', 0x29 => '}', 0x2f => '\\',
    0x3c => '[', 0x3d => '~', 0x3e => ']', 0x40 => '|', 0x65 => "\x{20ac}");

$| = 1;
my $json = JSON::PP->new->canonical->utf8;
my $listen = Net::SMPP->new_listen('127.0.0.1', port => $port, smpp_version => 0x34)
    or die "smsc.pl: cannot listen: $!\n";
if ($port_file) {
    open(my $pf, '>', "$port_file.tmp") or die;
    print $pf $listen->sockport, "\n";
    close $pf;
    rename "$port_file.tmp", $port_file or die;
}
$SIG{TERM} = sub { exit 0 };

sub logj {
    my ($h) = @_;
    return unless $log;
    open(my $l, '>>', $log) or return;
    print $l $json->encode($h), "\n";
    close $l;
}

sub invalid {
    my ($why) = @_;
    print STDERR "invalid request: $why\n";
    return 0;
}

# The next mode: the file's list, one entry per submit_sm, the last repeats.
my ($mode_text, $mode_i) = ('', 0);
sub next_mode {
    my $t = 'ok';
    if ($mode_file && open(my $m, '<', $mode_file)) {
        local $/;
        $t = <$m> // 'ok';
        close $m;
    }
    $t =~ s/\s+//g;
    $t = 'ok' if $t eq '';
    if ($t ne $mode_text) {
        ($mode_text, $mode_i) = ($t, 0);
    }
    my @l = split /,/, $t;
    my $mode = $l[$mode_i < @l ? $mode_i : $#l];
    $mode_i++;
    return $mode;
}

sub decode_text {
    my ($dc, $b) = @_;
    if ($dc == 8) {
        return (undef, 'UCS-2 text of odd length') if length($b) % 2;
        return (decode('UTF-16BE', $b), undef);
    }
    return (undef, "data_coding $dc") if $dc != 0;
    my $t = '';
    for (my $i = 0; $i < length $b; $i++) {
        my $o = ord substr($b, $i, 1);
        return (undef, sprintf('octet 0x%02x is not a septet', $o)) if $o > 0x7f;
        if ($o == 0x1b) {
            my $n = ord substr($b, ++$i, 1);
            return (undef, 'ESC not followed by an extension character')
                unless defined $gsm_ext{$n};
            $t .= $gsm_ext{$n};
        } else {
            $t .= $gsm[$o];
        }
    }
    return ($t, undef);
}

# Checks a submit_sm; returns its text or undef (already reported).
sub check_submit {
    my ($pdu) = @_;
    my $to = $pdu->{destination_addr} // '';
    return invalid("dest_addr_ton/npi $pdu->{dest_addr_ton}/$pdu->{dest_addr_npi}, want 1/1")
        unless $pdu->{dest_addr_ton} == 1 && $pdu->{dest_addr_npi} == 1;
    return invalid("destination_addr '$to' is not 8 to 15 digits")
        unless $to =~ /^[1-9][0-9]{7,14}$/;
    my ($ston, $snpi, $from) = ($pdu->{source_addr_ton}, $pdu->{source_addr_npi},
        $pdu->{source_addr} // '');
    if ($ston == 1) {
        return invalid("international source_addr '$from'")
            unless $snpi == 1 && $from =~ /^[1-9][0-9]{0,14}$/;
    } elsif ($ston == 5) {
        return invalid("alphanumeric source_addr '$from'")
            unless $snpi == 0 && $from =~ /^[A-Za-z0-9 ._&-]{1,11}$/ && $from =~ /[A-Za-z]/;
    } elsif ($ston == 3) {
        return invalid("short code source_addr '$from'")
            unless $snpi == 0 && $from =~ /^[0-9]{3,8}$/;
    } elsif (!($ston == 0 && $snpi == 0 && $from eq '')) {
        return invalid("source_addr_ton $ston");
    }
    return invalid("registered_delivery $pdu->{registered_delivery}, want 1")
        unless $pdu->{registered_delivery} == 1;
    return invalid("esm_class $pdu->{esm_class}") unless $pdu->{esm_class} == 0;
    my $b = $pdu->{short_message} // '';
    if (defined $pdu->{message_payload}) {
        return invalid('both short_message and message_payload') if length $b;
        $b = $pdu->{message_payload};
    }
    return invalid('empty message') unless length $b;
    my ($t, $err) = decode_text($pdu->{data_coding}, $b);
    return invalid($err) unless defined $t;
    return { text => $t, to => $to, from => $from, ston => $ston, snpi => $snpi,
        dc => $pdu->{data_coding}, payload => defined $pdu->{message_payload} ? 1 : 0 };
}

my $sel = IO::Select->new($listen);
my %bound;      # fileno -> 1 once bound
my $msgno = 0x1000;

sub drop {
    my ($c) = @_;
    $sel->remove($c);
    delete $bound{fileno $c};
    close $c;
}

sub receipt {
    my ($c, $m, $id, $stat, $tlv) = @_;
    my $ts = '2401011200';
    my $text = sprintf('id:%s sub:001 dlvrd:%s submit date:%s done date:%s stat:%s err:%s text:',
        $tlv ? $id : hex($id), $stat eq 'DELIVRD' ? '001' : '000', $ts, $ts, $stat,
        $stat eq 'DELIVRD' ? '000' : '001');
    my @opt = $tlv ? (receipted_message_id => "$id\0",
        message_state => chr($stat eq 'DELIVRD' ? 2 : 5)) : ();
    $c->deliver_sm(source_addr_ton => 1, source_addr_npi => 1, source_addr => $m->{to},
        dest_addr_ton => $m->{ston}, dest_addr_npi => $m->{snpi},
        destination_addr => $m->{from}, esm_class => 0x04, data_coding => 0,
        registered_delivery => 0, short_message => $text, async => 1, @opt);
}

sub on_pdu {
    my ($c, $pdu) = @_;
    my $cmd = $pdu->{cmd};
    if ($cmd == Net::SMPP::CMD_bind_transceiver) {
        my $st = 0;
        if ($pdu->{interface_version} != 0x34) {
            invalid(sprintf 'interface_version 0x%02x', $pdu->{interface_version});
            $st = 0x08;
        } elsif ($pdu->{system_id} ne $system_id) {
            $st = 0x0F;
        } elsif ($pdu->{password} ne $password) {
            $st = 0x0E;
        } elsif ($pdu->{system_type} ne $system_type) {
            $st = 0x0D;
        }
        logj({ event => 'bind', system_id => $pdu->{system_id},
            system_type => $pdu->{system_type}, status => $st });
        $c->bind_transceiver_resp(seq => $pdu->{seq}, status => $st, system_id => 'mocksmsc');
        $bound{fileno $c} = 1 if $st == 0;
        return 1;
    }
    if ($cmd == Net::SMPP::CMD_enquire_link) {
        logj({ event => 'enquire_link' });
        $c->enquire_link_resp(seq => $pdu->{seq});
        return 1;
    }
    if ($cmd == Net::SMPP::CMD_unbind) {
        logj({ event => 'unbind' });
        $c->unbind_resp(seq => $pdu->{seq});
        return 0;
    }
    return 1 if $cmd & 0x80000000;     # deliver_sm_resp, enquire_link_resp
    if ($cmd != Net::SMPP::CMD_submit_sm) {
        $c->generic_nack(seq => $pdu->{seq}, status => 0x03);
        return 1;
    }
    unless ($bound{fileno $c}) {
        invalid('submit_sm before bind');
        $c->submit_sm_resp(seq => $pdu->{seq}, status => 0x04, message_id => '');
        return 1;
    }
    my $m = check_submit($pdu);
    unless ($m) {
        $c->submit_sm_resp(seq => $pdu->{seq}, status => 0x08, message_id => '');
        return 1;
    }
    my $mode = next_mode();
    logj({ event => 'submit_sm', to => $m->{to}, from => $m->{from},
        source_ton => $m->{ston}, source_npi => $m->{snpi}, data_coding => $m->{dc},
        payload => $m->{payload}, text => $m->{text}, mode => $mode });
    return 1 if $mode eq 'hang';
    return 0 if $mode eq 'close';
    my %status = (throttle => 0x58, qfull => 0x14, invdst => 0x0B, syserr => 0x08);
    if (exists $status{$mode}) {
        $c->submit_sm_resp(seq => $pdu->{seq}, status => $status{$mode}, message_id => '');
        return 1;
    }
    my $id = sprintf '%X', $msgno++;
    $c->submit_sm_resp(seq => $pdu->{seq}, message_id => $id);
    receipt($c, $m, $id, 'DELIVRD', 0) if $mode eq 'ok';
    receipt($c, $m, $id, 'DELIVRD', 1) if $mode eq 'tlv';
    receipt($c, $m, $id, 'UNDELIV', 0) if $mode eq 'undeliv';
    return 1;
}

for (;;) {
    for my $fh ($sel->can_read) {
        if ($fh == $listen) {
            my $c = $listen->accept or next;
            $sel->add($c);
            next;
        }
        # Net::SMPP reads a whole PDU (blocking): fine for a test stand-in.
        my $pdu = $fh->read_pdu;
        if (!$pdu) {
            drop($fh);
            next;
        }
        drop($fh) unless on_pdu($fh, $pdu);
    }
}
