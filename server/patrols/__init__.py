"""Vacant-unit patrols (空置房巡查): a checklist, meter readings and photos per visit to a
vacant unit; every failed item becomes a finding."""
