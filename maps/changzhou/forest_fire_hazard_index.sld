<?xml version="1.0" encoding="UTF-8"?>
<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd">
  <NamedLayer>
    <Name>forest_fire_hazard_index</Name>
    <UserStyle>
      <Name>forest_fire_hazard_index</Name>
      <FeatureTypeStyle>
        <Rule>
          <RasterSymbolizer>
            <Opacity>1</Opacity>
            <ColorMap type="intervals">
              <ColorMapEntry color="#f2f0f7" quantity="0.11998736006872994" label="≤ 0.12"/>
              <ColorMapEntry color="#dadaeb" quantity="0.23997472013745988" label="0.12 – 0.24"/>
              <ColorMapEntry color="#bcbddc" quantity="0.3599620802061898" label="0.24 – 0.36"/>
              <ColorMapEntry color="#9e9ac8" quantity="0.47994944027491976" label="0.36 – 0.48"/>
              <ColorMapEntry color="#807dba" quantity="0.5999368003436497" label="0.48 – 0.6"/>
              <ColorMapEntry color="#6a51a3" quantity="0.7199241604123796" label="0.6 – 0.72"/>
              <ColorMapEntry color="#4a1486" quantity="1e308" label="&gt; 0.72"/>
            </ColorMap>
          </RasterSymbolizer>
        </Rule>
      </FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
