#!/usr/bin/perl
# A third-party SMPP client against smscd: Net::SMPP (Debian libnet-smpp-perl) in synchronous
# mode binds as transceiver, submits one message asking for a receipt, waits for the receipt
# (deliver_sm), answers it and prints what it read as one JSON line on stdout.
#
# Usage: net-smpp.pl HOST PORT SYSTEM_ID PASSWORD
# Exit 0 with the JSON line on success; non-zero with a message on stderr otherwise.
use strict;
use warnings;
use Net::SMPP;
use Socket qw(SOL_SOCKET SO_RCVTIMEO);
use Time::HiRes qw(time);

my $RECEIPT_TIMEOUT_SEC = 10;
my $CMD_DELIVER_SM = 0x00000005;

die "usage: $0 HOST PORT SYSTEM_ID PASSWORD\n" unless @ARGV == 4;
my ($host, $port, $system_id, $password) = @ARGV;

# A server that never answers must not hang the test. Not with alarm(): Net::SMPP's read_hard
# installs its own local SIGALRM handler (it answers it with a synchronous enquire_link, which
# then blocks for good) and calls alarm(0). A receive timeout on the socket makes every read give
# up instead (read_pdu returns undef), and the loop below checks an overall deadline.
my $deadline = time + $RECEIPT_TIMEOUT_SEC;

my $smpp = Net::SMPP->new_connect(
    $host,
    port      => $port,
    system_id => $system_id,
    password  => $password,
    timeout   => $RECEIPT_TIMEOUT_SEC,
);
die "cannot connect to $host:$port: $!\n" unless $smpp;
setsockopt($smpp, SOL_SOCKET, SO_RCVTIMEO, pack('l!l!', $RECEIPT_TIMEOUT_SEC, 0))
    or die "cannot set a receive timeout: $!\n";
my $bind_resp = $smpp->bind_transceiver();
die "bind_transceiver got no response: ${*$smpp}{smpperror}\n" unless $bind_resp;
die sprintf("bind_transceiver refused: status 0x%08x\n", $bind_resp->{status}) if $bind_resp->{status} != 0;

my $submit_resp = $smpp->submit_sm(
    source_addr_ton     => 1,
    source_addr_npi     => 1,
    source_addr         => '436601234567',
    dest_addr_ton       => 1,
    dest_addr_npi       => 1,
    destination_addr    => '436991234567',
    registered_delivery => 1,
    short_message       => 'Hello from Net::SMPP',
);
# Synchronous mode drops whatever arrives before the response, so a receipt sent ahead of
# submit_sm_resp would be lost here and the loop below would time out.
die "submit_sm got no response: ${*$smpp}{smpperror}\n" unless $submit_resp;
die sprintf("submit_sm refused: status 0x%08x\n", $submit_resp->{status}) if $submit_resp->{status} != 0;
my $message_id = $submit_resp->{message_id};

# Read until the receipt comes; anything else (e.g. enquire_link) is answered or ignored.
my $receipt;
while (!$receipt) {
    die "no receipt (deliver_sm) within ${RECEIPT_TIMEOUT_SEC} s\n" if time > $deadline;
    my $pdu = $smpp->read_pdu()
        or die "no receipt: ${*$smpp}{smpperror} (read timeout ${RECEIPT_TIMEOUT_SEC} s)\n";
    if ($pdu->{cmd} == $CMD_DELIVER_SM) {
        $receipt = $pdu;
        $smpp->deliver_sm_resp(message_id => '', seq => $pdu->{seq});
    } elsif ($pdu->{cmd} == 0x00000015) {    # enquire_link
        $smpp->enquire_link_resp(seq => $pdu->{seq});
    }
}

# TLV values are the raw octets: receipted_message_id is a C-Octet String (strip its NUL),
# message_state one octet, network_error_code three octets (type, code).
my $receipted = $receipt->{receipted_message_id};
$receipted =~ s/\0+\z// if defined $receipted;
my $state = defined $receipt->{message_state} ? unpack('C', $receipt->{message_state}) : undef;
my $nec = defined $receipt->{network_error_code} ? unpack('H*', $receipt->{network_error_code}) : undef;

print '{', join(',',
    '"message_id":' . json_string($message_id),
    '"esm_class":' . json_number($receipt->{esm_class}),
    '"short_message":' . json_string($receipt->{short_message}),
    '"receipted_message_id":' . json_string($receipted),
    '"message_state":' . json_number($state),
    '"network_error_code":' . json_string($nec),
), "}\n";

my $unbind_resp = $smpp->unbind();
warn "unbind got no response: ${*$smpp}{smpperror}\n" unless $unbind_resp;
$smpp->close();
exit 0;

sub json_number {
    my ($n) = @_;
    return defined $n ? sprintf('%d', $n) : 'null';
}

sub json_string {
    my ($s) = @_;
    return 'null' unless defined $s;
    $s =~ s/(["\\])/\\$1/g;
    $s =~ s/([\x00-\x1f\x7f-\xff])/sprintf('\\u%04x', ord $1)/ge;
    return "\"$s\"";
}
